from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from common.api.serializers import StrictFieldsMixin
from users_project.accounts.models import GameRead, User
from users_project.accounts.selectors import email_is_taken
from users_project.accounts.services import EMAIL_TAKEN

# A password box in the browsable API's HTML forms.
SECRET = {"input_type": "password"}
SERVER_OWNED = frozenset(
    {"id", "is_staff", "is_superuser", "is_active", "created_at", "updated_at"}
)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "created_at", "updated_at"]
        read_only_fields = fields


def _check_password(password: str, user: User) -> None:
    # Django's validators, including similarity to the user's own email/name.
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"password": list(exc.messages)}) from None


class UserRegistrationSerializer(StrictFieldsMixin, serializers.Serializer):
    ignored_fields = SERVER_OWNED

    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, style=SECRET
    )
    name = serializers.CharField(max_length=150)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The password first: a request that cannot succeed learns nothing
        # about which emails are taken.
        _check_password(attrs["password"], User(email=attrs["email"], name=attrs["name"]))
        if email_is_taken(email=attrs["email"]):
            raise serializers.ValidationError({"email": [EMAIL_TAKEN]})
        return attrs


class UserUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """PUT needs ``email`` and ``name``; PATCH any subset. ``context["user"]``:
    the account changed. Whether ``current_password`` is needed is ``user_update``'s rule."""

    ignored_fields = SERVER_OWNED

    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=150)
    # Left empty in the browsable API's form: no change, no check.
    password = serializers.CharField(
        write_only=True, required=False, max_length=128, trim_whitespace=False, style=SECRET
    )
    current_password = serializers.CharField(
        write_only=True, required=False, max_length=128, trim_whitespace=False, style=SECRET
    )

    def validate_email(self, value: str) -> str:
        if email_is_taken(email=value, exclude_user_id=self.context["user"].id):
            raise serializers.ValidationError(EMAIL_TAKEN)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "password" in attrs:
            # Compared with the account as it is and as this request leaves it.
            user = self.context["user"]
            _check_password(attrs["password"], user)
            if "email" in attrs or "name" in attrs:
                email, name = attrs.get("email", user.email), attrs.get("name", user.name)
                _check_password(attrs["password"], User(email=email, name=name))
        return attrs


class GameReadSerializer(serializers.ModelSerializer):
    class Meta:
        model = GameRead
        fields = ["game_id", "title", "read_at", "event_id"]
        read_only_fields = fields


class LoginSerializer(StrictFieldsMixin, serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class RefreshSerializer(StrictFieldsMixin, serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()


class WhoAmISerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
