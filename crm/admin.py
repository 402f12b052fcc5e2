"""User accounts in the admin: Django's user admin plus "unlock sign-in" and "reset two-step sign-in"."""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from crm.lockout import user_sign_in_unlock
from crm.two_factor import second_factor_remove

User = get_user_model()


class AccountUserAdmin(UserAdmin):
    actions = ["unlock_sign_in", "reset_two_factor"]

    @admin.action(description="Unlock sign-in of selected users (after too many wrong passwords)",
                  permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        cleared = sum(user_sign_in_unlock(username=user.get_username()) for user in queryset)
        names = ", ".join(user.get_username() for user in queryset)
        if cleared:
            self.message_user(request, f"Unlocked: {names}. They can sign in again now.", messages.SUCCESS)
        else:
            self.message_user(request, f"None of them was locked out: {names}.", messages.INFO)

    @admin.action(description="Reset two-step sign-in of selected users (lost phone)", permissions=["change"])
    def reset_two_factor(self, request, queryset):
        removed = sum(second_factor_remove(user=user) for user in queryset)
        self.message_user(
            request, f"Removed {removed} device(s); each user sets up two-step sign-in again at their next sign-in.",
            messages.SUCCESS,
        )


admin.site.unregister(User)
admin.site.register(User, AccountUserAdmin)
