"""The Django admin is the system administrator's configuration console (三员分立: configuration is theirs).

Access follows the 系统管理员 role, not Django's is_staff flag, so there is one permission system.
"""

from django.contrib import admin


def is_system_admin(request):
    user = request.user
    return user.is_active and user.is_authenticated and user.is_system_admin


admin.site.has_permission = is_system_admin
admin.site.site_header = admin.site.site_title = "Kaifaqu"


class SystemAdminModelAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return is_system_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_system_admin(request)

    def has_add_permission(self, request):
        return is_system_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_system_admin(request)

    def has_delete_permission(self, request, obj=None):
        return is_system_admin(request)
