from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/tokens/add/", views.ApiTokenCreateView.as_view(), name="token_add"),
    path("profile/tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="token_revoke"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/add/", views.UserAddView.as_view(), name="user_add"),
    path("users/<int:pk>/", views.UserView.as_view(), name="user"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
]
