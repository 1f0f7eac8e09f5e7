{{/* Names, labels and the environment every process shares. */}}

{{- define "ug.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ug.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "ug.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "ug.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ug.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "ug.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "ug.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ug.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of one process's pods: (dict "root" $ "name" "users-web" "service" "users") */}}
{{- define "ug.processSelector" -}}
{{ include "ug.selectorLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "ug.processLabels" -}}
{{ include "ug.labels" .root }}
app.kubernetes.io/component: {{ .name }}
users-games/service: {{ .service }}
{{- end -}}

{{- define "ug.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end -}}

{{- define "ug.secretName" -}}
{{- default (printf "%s-secrets" (include "ug.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "ug.strimziCluster" -}}
{{- default (printf "%s-kafka" (include "ug.fullname" .)) .Values.kafka.strimzi.clusterName -}}
{{- end -}}

{{/* The port of the Strimzi listener the clients use: TLS or plain. */}}
{{- define "ug.strimziPort" -}}
{{- if .Values.kafka.strimzi.tls -}}9093{{- else -}}9092{{- end -}}
{{- end -}}

{{/* The KafkaUser (and its Secret) of one service: (dict "root" $ "service" "users"). */}}
{{- define "ug.kafkaUser" -}}
{{ include "ug.fullname" .root }}-{{ .service }}
{{- end -}}

{{- define "ug.kafkaBootstrap" -}}
{{- if .Values.kafka.strimzi.enabled -}}
{{ include "ug.strimziCluster" . }}-kafka-bootstrap:{{ include "ug.strimziPort" . }}
{{- else -}}
{{ .Values.kafka.bootstrapServers }}
{{- end -}}
{{- end -}}

{{- define "ug.replicationFactor" -}}
{{- if .Values.kafka.strimzi.enabled -}}
{{ .Values.kafka.strimzi.topicReplicas }}
{{- else -}}
{{ .Values.kafka.replicationFactor }}
{{- end -}}
{{- end -}}

{{- define "ug.webService" -}}
{{ include "ug.fullname" .root }}-{{ .name }}
{{- end -}}

{{- define "ug.allowedHosts" -}}
{{- $hosts := list "localhost" -}}
{{- range $name := list "users-web" "games-web" -}}
{{- $svc := include "ug.webService" (dict "root" $ "name" $name) -}}
{{- $hosts = append $hosts $svc -}}
{{- $hosts = append $hosts (printf "%s.%s.svc" $svc $.Release.Namespace) -}}
{{- end -}}
{{- if .Values.ingress.enabled -}}
{{- $hosts = append $hosts .Values.ingress.host -}}
{{- end -}}
{{- concat $hosts .Values.config.allowedHosts | uniq | join "," -}}
{{- end -}}

{{- define "ug.gamesApiBaseUrl" -}}
{{- if (index .Values.processes "catalog-stub").enabled -}}
http://{{ include "ug.fullname" . }}-catalog-stub:{{ (index .Values.processes "catalog-stub").port }}/api
{{- else -}}
{{ .Values.config.gamesApiBaseUrl }}
{{- end -}}
{{- end -}}

{{/*
The environment of a process of one service: (dict "root" $ "service" "users").
Each service's pods get only their own database URL and keys, and (Strimzi)
their own Kafka user's password. Hook Jobs ("hook" true) run before Strimzi
has made the users on a first install, and need no broker: they get none.
*/}}
{{- define "ug.env" -}}
{{- $root := .root -}}
{{- $secret := include "ug.secretName" $root -}}
- {name: {{ upper .service }}_DJANGO_SETTINGS_MODULE, value: {{ .service }}_project.settings.production}
- {name: DJANGO_ALLOWED_HOSTS, value: {{ include "ug.allowedHosts" $root | quote }}}
- {name: LOG_FORMAT, value: json}
- {name: LOG_LEVEL, value: {{ $root.Values.config.logLevel | quote }}}
- {name: KAFKA_BOOTSTRAP_SERVERS, value: {{ include "ug.kafkaBootstrap" $root | quote }}}
- {name: KAFKA_TOPIC_PREFIX, value: {{ $root.Values.kafka.topicPrefix | quote }}}
- {name: KAFKA_TOPIC_PARTITIONS, value: {{ $root.Values.kafka.topicPartitions | quote }}}
- {name: KAFKA_REPLICATION_FACTOR, value: {{ include "ug.replicationFactor" $root | quote }}}
- {name: METRICS_BIND_ADDRESS, value: 0.0.0.0}
- {name: JWT_ISSUER, value: {{ $root.Values.config.jwtIssuer | quote }}}
- {name: JWT_AUDIENCE, value: {{ $root.Values.config.jwtAudience | quote }}}
- {name: TRUSTED_PROXY_NETWORKS, value: {{ join "," $root.Values.config.trustedProxyNetworks | quote }}}
- {name: DJANGO_TRUST_X_FORWARDED_PROTO, value: {{ $root.Values.config.trustForwardedProto | quote }}}
- name: REDIS_URL
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: REDIS_URL}}
{{- if and $root.Values.kafka.strimzi.enabled (not .hook) }}
{{- $kafkaUser := include "ug.kafkaUser" (dict "root" $root "service" .service) }}
- {name: KAFKA_SECURITY_PROTOCOL, value: {{ ternary "SASL_SSL" "SASL_PLAINTEXT" $root.Values.kafka.strimzi.tls }}}
- {name: KAFKA_SASL_MECHANISM, value: SCRAM-SHA-512}
- {name: KAFKA_SASL_USERNAME, value: {{ $kafkaUser }}}
- name: KAFKA_SASL_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ $kafkaUser }}, key: password}}
{{- if $root.Values.kafka.strimzi.tls }}
- {name: KAFKA_SSL_CAFILE, value: /etc/kafka-ca/ca.crt}
{{- end }}
{{- end }}
{{- if eq .service "users" }}
- name: USERS_DATABASE_URL
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: USERS_DATABASE_URL}}
- name: USERS_DJANGO_SECRET_KEY
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: USERS_DJANGO_SECRET_KEY}}
- name: JWT_PRIVATE_KEY
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: JWT_PRIVATE_KEY}}
{{- else }}
- name: GAMES_DATABASE_URL
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: GAMES_DATABASE_URL}}
- name: GAMES_DJANGO_SECRET_KEY
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: GAMES_DJANGO_SECRET_KEY}}
- {name: USERS_JWKS_URL, value: {{ printf "http://%s:%v/.well-known/jwks.json" (include "ug.webService" (dict "root" $root "name" "users-web")) (index $root.Values.processes "users-web").port | quote }}}
- {name: GAMES_API_BASE_URL, value: {{ include "ug.gamesApiBaseUrl" $root | quote }}}
- {name: GAMES_CELERY_QUEUE, value: games}
{{- end }}
{{- range $name, $value := $root.Values.config.extraEnv }}
- {name: {{ $name }}, value: {{ $value | quote }}}
{{- end }}
{{- range $name, $value := .extra }}
- {name: {{ $name }}, value: {{ $value | quote }}}
{{- end }}
{{- end -}}

{{/*
A pod's security settings, volumes and image, shared by Deployments and Jobs:
(dict "root" $ "kafka" true) adds the Kafka cluster CA's certificate
(Strimzi with TLS), which Jobs do without (it does not exist before them).
*/}}
{{- define "ug.podCommon" -}}
{{- $kafkaCa := and .kafka .root.Values.kafka.strimzi.enabled .root.Values.kafka.strimzi.tls -}}
{{- with .root -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets: {{- toYaml . | nindent 2 }}
{{- end }}
securityContext: {{- toYaml .Values.podSecurityContext | nindent 2 }}
volumes:
  # The root filesystem is read-only: gunicorn's heartbeat files, the
  # metrics of its workers and the beat schedule go here.
  - name: tmp
    emptyDir: {sizeLimit: 256Mi}
  {{- if $kafkaCa }}
  # The certificate Strimzi's cluster CA signs the brokers' with.
  - name: kafka-ca
    secret:
      secretName: {{ include "ug.strimziCluster" . }}-cluster-ca-cert
      items: [{key: ca.crt, path: ca.crt}]
  {{- end }}
{{- end }}
{{- end -}}

{{/*
Labels of the Strimzi resources: without the chart's selector labels, which
Strimzi copies to the pods it makes and which the policies select this
release's own pods by.
*/}}
{{- define "ug.strimziLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: {{ include "ug.fullname" . }}
strimzi.io/cluster: {{ include "ug.strimziCluster" . }}
{{- end -}}
