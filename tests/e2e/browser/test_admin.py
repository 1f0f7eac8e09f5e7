"""Staff in the Django admin: log in, search, see a user's reads, browse
reads read-only, delete a user; that user's cookie and tokens then stop
working at both services."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from scripts.poll import eventually
from scripts.system import ROOT, System
from tests.e2e.browser import pages as p
from tests.e2e.flows import (
    SECRETS,
)
from tests.support.browser import (
    BrowserFactory,
    Person,
    new_person,
    register_over_api,
    screenshot,
)


def bearer_after_login(system: System, person: Person) -> dict[str, str]:
    tokens = requests.post(
        f"{system.users_url}/auth/login/",
        json={"email": person.email, "password": person.password},
        timeout=30,
    )
    assert tokens.status_code == 200, tokens.text
    SECRETS.extend([tokens.json()["access"], tokens.json()["refresh"]])
    return {"Authorization": f"Bearer {tokens.json()['access']}"}


def admin_log_in(admin: WebDriver, system: System, staff: Person) -> None:
    """Through the admin's login form; returns once the admin index shows,
    so a page opened next is opened logged in."""
    admin.get(f"{system.users_url}/admin/")
    p.fill(admin, "#id_username", staff.email)
    p.fill(admin, "#id_password", staff.password)
    p.click(admin, "input[type=submit]")
    p.wait_for(admin, "#user-tools")


def test_staff_find_a_user_see_their_reads_and_delete_them_everywhere(
    system: System, staff: Person, new_browser: BrowserFactory
) -> None:
    victim = new_person("Soon Deleted")
    victim_id = register_over_api(system, victim)
    auth = bearer_after_login(system, victim)
    game = requests.get(f"{system.games_url}/games/", timeout=30).json()["results"][0]
    read = requests.post(
        f"{system.games_url}/games/", json={"game_id": game["id"]}, headers=auth, timeout=30
    )
    assert read.status_code == 202, read.text
    eventually(
        lambda: requests.get(
            f"{system.users_url}/users/{victim_id}/read/", headers=auth, timeout=30
        ).json()["count"]
        == 1,
        timeout=60,
        every=0.5,
        message="the read never reached the history",
    )

    # The victim is logged in in a browser of their own.
    theirs = new_browser()
    theirs.get(f"{system.users_url}/")
    p.log_in(theirs, victim.email, victim.password)
    p.wait_text(theirs, victim.email)

    # Staff log in to the admin and search by email.
    admin = new_browser()
    admin_log_in(admin, system, staff)
    p.click(admin, "a[href$='/admin/accounts/user/']")
    p.fill(admin, "#searchbar", victim.email)
    p.click(admin, "#changelist-search input[type=submit]")
    p.wait_text(admin, "1 result")
    p.click(admin, f"#result_list a[href*='{victim_id}']")
    p.wait_text(admin, "Recently read games")
    assert game["title"] in p.page_text(admin)
    # Their logins over the API and in the browser show as the last login.
    last_login = admin.find_element(By.CSS_SELECTOR, ".field-last_login .readonly").text
    assert last_login.strip() not in ("", "-"), last_login
    screenshot(admin, "admin-user")

    # Reads are browsable, not editable.
    admin.get(f"{system.users_url}/admin/accounts/gameread/")
    p.wait_text(admin, game["title"])
    assert not admin.find_elements(By.CSS_SELECTOR, ".object-tools a.addlink")
    # ... nor deletable one by one: no bulk action, and the read's page has no delete link.
    assert not admin.find_elements(By.CSS_SELECTOR, "select[name=action]")
    p.click(admin, "#result_list tbody th a")
    p.wait_text(admin, game["title"])
    assert not admin.find_elements(By.CSS_SELECTOR, "a.deletelink")

    # Delete the user.
    admin.get(f"{system.users_url}/admin/accounts/user/{victim_id}/change/")
    p.click(admin, "a.deletelink")
    p.click(admin, "input[type=submit]")
    p.wait_text(admin, "was deleted successfully")

    # Their token and their browser's cookie stop working at users...
    assert (
        requests.get(f"{system.users_url}/auth/auth-test/", headers=auth, timeout=30).status_code
        == 401
    )
    theirs.get(f"{system.users_url}/users/{victim_id}/")
    assert p.response_status(theirs) == 401
    # ... and at games once user.deleted is through.
    eventually(
        lambda: requests.post(
            f"{system.games_url}/games/", json={"game_id": game["id"]}, headers=auth, timeout=30
        ).status_code
        == 403,
        timeout=60,
        every=0.5,
        message="games kept accepting the deleted user's token",
    )
    theirs.get(f"{system.games_url}/games/")
    p.submit_raw_form(theirs, "post-generic-content-form", {"game_id": game["id"]}, "POST")
    assert p.response_status(theirs) == 403
    assert "This user has been deleted." in p.page_text(theirs)


def test_staff_add_a_user_in_the_admin_and_the_password_rules_hold(
    system: System, staff: Person, new_browser: BrowserFactory
) -> None:
    """The admin's add form (Django's BaseUserCreationForm): two passwords
    that differ and a weak password are refused on the page and create
    nobody; a good one creates a user who can log in."""
    newcomer = new_person("Added By Staff")
    admin = new_browser()
    admin_log_in(admin, system, staff)
    admin.get(f"{system.users_url}/admin/accounts/user/add/")

    def submit(password1: str, password2: str) -> None:
        for field, text in (("email", newcomer.email), ("name", newcomer.name)):
            admin.find_element(By.CSS_SELECTOR, f"#id_{field}").clear()
            p.fill(admin, f"#id_{field}", text)
        p.fill(admin, "#id_password1", password1)
        p.fill(admin, "#id_password2", password2)
        p.click(admin, "input[name=_save]")

    submit(newcomer.password, newcomer.password + "x")
    p.wait_text(admin, "The two password fields didn")
    submit("12345678", "12345678")
    p.wait_text(admin, "This password is too common")
    login = {"email": newcomer.email, "password": newcomer.password}
    refused = requests.post(f"{system.users_url}/auth/login/", json=login, timeout=30)
    assert refused.status_code == 401, refused.text  # nobody was created

    submit(newcomer.password, newcomer.password)
    p.wait_text(admin, "was added successfully")
    screenshot(admin, "admin-user-added")
    tokens = requests.post(f"{system.users_url}/auth/login/", json=login, timeout=30)
    assert tokens.status_code == 200, tokens.text
    SECRETS.extend([tokens.json()["access"], tokens.json()["refresh"]])


def test_staff_cannot_reuse_an_email_in_another_spelling_and_a_password_they_set_revokes_tokens(
    system: System, staff: Person, new_browser: BrowserFactory
) -> None:
    """The admin's change and password forms as staff use them: an address
    that names an existing account once case-folded is refused on the page
    and changes nothing; a password set there revokes the refresh tokens."""
    tag = new_person().email.split("@")[0]
    owner = replace(new_person("Straße Owner"), email=f"{tag}@straße.example")
    register_over_api(system, owner)
    member = new_person("Changed By Staff")
    member_id = register_over_api(system, member)
    login = {"email": member.email, "password": member.password}
    tokens = requests.post(f"{system.users_url}/auth/login/", json=login, timeout=30)
    assert tokens.status_code == 200, tokens.text
    refresh = tokens.json()["refresh"]
    SECRETS.extend([tokens.json()["access"], refresh])

    admin = new_browser()
    admin_log_in(admin, system, staff)
    admin.get(f"{system.users_url}/admin/accounts/user/{member_id}/change/")
    email = p.wait_for(admin, "#id_email")
    email.clear()
    email.send_keys(f"{tag.upper()}@STRASSE.example")
    p.click(admin, "input[name=_save]")
    p.wait_text(admin, "A user with this email already exists.")
    still = requests.post(f"{system.users_url}/auth/login/", json=login, timeout=30)
    assert still.status_code == 200, still.text  # the member's email did not change
    SECRETS.extend([still.json()["access"], still.json()["refresh"]])

    new_password = f"Set-{member.password}"
    SECRETS.append(new_password)
    admin.get(f"{system.users_url}/admin/accounts/user/{member_id}/password/")
    p.fill(admin, "#id_password1", new_password)
    p.fill(admin, "#id_password2", new_password)
    p.click(admin, "input[type=submit]")
    p.wait_text(admin, "Password changed successfully")
    spent = requests.post(
        f"{system.users_url}/auth/refresh/", json={"refresh": refresh}, timeout=30
    )
    assert spent.status_code == 401, spent.text
    relogin = {"email": member.email, "password": new_password}
    fresh = requests.post(f"{system.users_url}/auth/login/", json=relogin, timeout=30)
    assert fresh.status_code == 200, fresh.text
    SECRETS.extend([fresh.json()["access"], fresh.json()["refresh"]])


def make_user_manager(system: System, person: Person) -> None:
    """Staff with the user permissions but not a superuser, granted as an
    operator would: a shell, since the admin's form does not show permissions."""
    grant = (
        "from django.contrib.auth.models import Permission\n"
        "from users_project.accounts.models import User\n"
        f"u = User.objects.get(email={person.email!r})\n"
        "u.is_staff = True\n"
        "u.save()\n"
        "for action in ('view', 'change', 'delete'):\n"
        "    u.user_permissions.add(Permission.objects.get(codename=action + '_user'))\n"
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage_users.py"), "shell", "-c", grant],
        cwd=ROOT,
        env=system.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_a_user_manager_sees_no_superuser_box_and_cannot_take_over_a_superuser(
    system: System, staff: Person, new_browser: BrowserFactory
) -> None:
    """docs/security.md: only a superuser changes, deletes or makes a superuser,
    in the admin as over the API. ``staff`` is a superuser (createsuperuser)."""
    manager = new_person("User Manager")
    register_over_api(system, manager)
    make_user_manager(system, manager)
    member = new_person("Managed Member")
    member_id = register_over_api(system, member)
    root_id = requests.post(
        f"{system.users_url}/auth/login/",
        json={"email": staff.email, "password": staff.password},
        timeout=30,
    )
    assert root_id.status_code == 200, root_id.text
    SECRETS.extend([root_id.json()["access"], root_id.json()["refresh"]])
    who = requests.get(
        f"{system.users_url}/auth/auth-test/",
        headers={"Authorization": f"Bearer {root_id.json()['access']}"},
        timeout=30,
    )
    superuser_id = who.json()["id"]

    admin = new_browser()
    admin_log_in(admin, system, manager)
    # An ordinary account: theirs to change, but the superuser box is not on the page.
    admin.get(f"{system.users_url}/admin/accounts/user/{member_id}/change/")
    p.wait_for(admin, "#id_email")
    assert not admin.find_elements(By.CSS_SELECTOR, "input[name=is_superuser]")
    p.click(admin, "input[name=_save]")
    p.wait_text(admin, "was changed successfully")

    # A superuser's page shows, read-only: no form field, no save, no delete link.
    admin.get(f"{system.users_url}/admin/accounts/user/{superuser_id}/change/")
    p.wait_text(admin, staff.email)
    assert not admin.find_elements(By.CSS_SELECTOR, "#id_email, input[name=_save]")
    assert not admin.find_elements(By.CSS_SELECTOR, "a.deletelink")
    # Nor can their password be set by going to its page.
    admin.get(f"{system.users_url}/admin/accounts/user/{superuser_id}/password/")
    p.wait_text(admin, "403")
    assert not admin.find_elements(By.CSS_SELECTOR, "#id_password1")
    still = requests.post(
        f"{system.users_url}/auth/login/",
        json={"email": staff.email, "password": staff.password},
        timeout=30,
    )
    assert still.status_code == 200, still.text
    SECRETS.extend([still.json()["access"], still.json()["refresh"]])
