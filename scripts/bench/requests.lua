-- wrk script for `make bench`: `wrk ... -s requests.lua URL -- FILE`.
-- FILE lists the requests, one a line: method, path, Authorization value
-- (may be empty) and body (may be empty), tab-separated. Each wrk thread
-- sends them in turn from its own starting point, and the 2xx answers of
-- all threads are counted and printed as "2xx: N" at the end.
local threads = {}
local prepared = {}
local n = 0
ok = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  for line in io.lines(args[1]) do
    local method, path, auth, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = { ["Content-Type"] = "application/json" }
    if auth ~= "" then
      headers["Authorization"] = auth
    end
    if body == "" then
      body = nil
    end
    table.insert(prepared, wrk.format(method, path, headers, body))
  end
  n = (id * 7919) % #prepared
end

function request()
  n = n % #prepared + 1
  return prepared[n]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("ok")
  end
  io.write(string.format("2xx: %d\n", total))
end
