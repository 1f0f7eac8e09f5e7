"""The admin: users and their reads, a throttled login, the event flow page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET
from kafka.errors import KafkaError

from common.api.errors import error_response
from common.ops.status import dead_letter_counts, outbox_backlog
from common.ops.text import format_age
from users_project.accounts.models import GameRead, User
from users_project.accounts.selectors import email_is_taken, user_may_write, user_read_history
from users_project.accounts.services import (
    EMAIL_TAKEN,
    user_create,
    user_delete,
    user_email_set,
    user_refresh_tokens_revoke,
)
from users_project.accounts.throttles import login_failure_record, login_throttled


class EmailIdentityUniqueForm(forms.ModelForm):
    """Django checks the email's uniqueness as given and in lower case; this,
    in its identity form (``email_key``), which the admin's save would break."""

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email_is_taken(email=email, exclude_user_id=self.instance.pk):
            raise forms.ValidationError(EMAIL_TAKEN)
        return email


class UserChangeForm(EmailIdentityUniqueForm, auth_forms.UserChangeForm):
    pass


class UserAddForm(EmailIdentityUniqueForm, auth_forms.BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name", "is_staff")


class PasswordSetForm(auth_forms.AdminPasswordChangeForm):
    """As over the API, a new password revokes every refresh token."""

    def save(self, commit: bool = True) -> User:
        with transaction.atomic():
            user = super().save(commit=commit)
            user_refresh_tokens_revoke(user=user)
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Adding and deleting go through the services, so they emit their events."""

    form = UserChangeForm
    add_form = UserAddForm
    change_password_form = PasswordSetForm
    ordering = ["-created_at"]
    list_display = ["email", "name", "is_staff", "is_active", "created_at"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "name"]
    readonly_fields = ["id", "created_at", "updated_at", "last_login", "recent_reads"]
    fieldsets = (
        (None, {"fields": ("id", "email", "name", "password")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("History", {"fields": ("recent_reads", "created_at", "updated_at", "last_login")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "name", "is_staff", "password1", "password2")}),)

    @admin.display(description="Recently read games")
    def recent_reads(self, user: User) -> str:
        reads = list(user_read_history(user_id=user.id)[:20])
        if not reads:
            return "No games read yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (read.read_at.strftime("%Y-%m-%d %H:%M:%S"), read.game_id, read.title)
                for read in reads
            ),
        )
        link = reverse("admin:accounts_gameread_changelist") + f"?user__id__exact={user.id}"
        return format_html(
            "<table><tr><th>Read at</th><th>Game</th><th>Title</th></tr>{}</table>"
            '<p><a href="{}">All reads of this user</a></p>',
            rows,
            link,
        )

    # As over the API: only a superuser changes, deletes or makes a superuser.
    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_may_write(by=request.user, user=obj))

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or user_may_write(by=request.user, user=obj))

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        readonly = [*super().get_readonly_fields(request, obj)]
        return readonly if request.user.is_superuser else [*readonly, "is_superuser"]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change:
            user_email_set(user=obj, email=obj.email)  # the admin may edit the email
            super().save_model(request, obj, form, change)
            return
        created = user_create(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            name=form.cleaned_data.get("name", ""),
            is_staff=form.cleaned_data.get("is_staff", False),
        )
        obj.pk = created.pk  # the admin redirects to the new object's page

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        user_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            user_delete(user=user)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, Any, Any]:
        """A user's reads go with them, though nobody may delete reads one by one."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(GameRead._meta.verbose_name)
        return deleted, counts, perms_needed, protected


@admin.register(GameRead)
class GameReadAdmin(admin.ModelAdmin):
    list_display = ["read_at", "user", "game_id", "title"]
    search_fields = ["user__email", "title"]
    list_filter = ["read_at"]

    # History comes only from user.read events.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: GameRead | None = None) -> bool:
        return False

    # Nor removed one by one: the read count would no longer match, and a
    # replay would bring the read back (the row is the consumer's inbox).
    def has_delete_permission(self, request: HttpRequest, obj: GameRead | None = None) -> bool:
        return False


def throttled_admin_login(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Django's admin login with the API login's throttles and buckets."""
    attempt = request.method == "POST"
    if attempt and (wait := login_throttled(request)) is not None:
        message = f"Request was throttled. Expected available in {wait} seconds."
        return error_response(
            request, 429, "throttled", message, headers={"Retry-After": str(wait)}
        )
    response = admin.site.login(request, **kwargs)
    if attempt and response.status_code == 200:
        # The form again: this attempt failed (a login redirects).
        login_failure_record(request)
    return response


@require_GET
def ops_status_view(request: HttpRequest) -> HttpResponse:
    """The outbox backlog and dead letters (``manage_users.py status``)."""
    pending, oldest = outbox_backlog()
    try:
        dead_letters, kafka_error = dead_letter_counts(), ""
    except KafkaError as exc:
        dead_letters, kafka_error = [], f"Kafka did not answer: {type(exc).__name__}"
    context = {
        **admin.site.each_context(request),
        "title": "Event flow",
        "outbox_pending": pending,
        "outbox_oldest_age": format_age(oldest),
        "dead_letters": dead_letters,
        "kafka_error": kafka_error,
    }
    return TemplateResponse(request, "admin/ops_status.html", context)
