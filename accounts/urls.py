from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views
from accounts.forms import LoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("users/", views.user_list, name="user_list"),
    path("office/tokens/", views.token_list, name="token_list"),
    path("office/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("office/login-log/", views.login_log, name="login_log"),
    path("office/operation-log/", views.operation_log, name="operation_log"),
    path("office/import/", include("accounts.urls_import")),
]
