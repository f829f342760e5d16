"""Print the demo logins that `manage.py demo` created: one per role, with their password.

Nothing secret is stored: the password shown is the public default (or the name of the environment
variable) when it still opens the account, checked against the stored hash. Accounts with a demo login's
name that the demo did not create are never listed.
"""

import os
import unicodedata

from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand

from accounts.demo import DEFAULT_PASSWORD, LOGINS, PASSWORD_ENV, demo_email
from accounts.models import Role, User

# DESIGN.md §1, in the words the people who use it say.
ROLE_NAMES = {
    "superuser": "超级管理员",
    Role.OFFICE: "助企办",
    Role.LEADER: "县级领导",
    Role.UNIT_HEAD: "单位负责人",
    Role.UNIT_HANDLER: "单位经办人",
    Role.CADRE: "联企干部",
    Role.ENTERPRISE: "企业用户",
    Role.AUDITOR: "督查",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _password_shown(encoded: str) -> str:
    if check_password(DEFAULT_PASSWORD, encoded):
        return DEFAULT_PASSWORD
    env_password = os.environ.get(PASSWORD_ENV)
    if env_password and check_password(env_password, encoded):
        return f"${PASSWORD_ENV}"
    return "(set with --password / 已修改)"


class Command(BaseCommand):
    help = "List the demo logins (one per role) and their password."

    def handle(self, *args, **options):
        users = {
            user.username: user
            for user in User.objects.filter(username__in=[name for name, _ in LOGINS]).select_related(
                "unit", "enterprise"
            )
            if user.email == demo_email(user.username)
        }
        if not users:
            self.stdout.write("No demo logins exist (build them with `manage.py demo`). / 没有演示账号。")
            return
        header = ("role 角色", "username 用户名", "password 密码", "name 姓名", "unit / enterprise 单位/企业")
        # By hash: the demo logins share one, and each check costs the slow hasher's full work.
        shown: dict[str, str] = {}
        rows = []
        for username, role in LOGINS:
            user = users.get(username)
            if user is None:
                continue
            label = f"{role} {ROLE_NAMES[role]}"
            where = user.enterprise.name if user.enterprise_id else user.unit.name if user.unit_id else ""
            name = f"{user.full_name} ({user.title})" if user.title else user.full_name
            if user.password not in shown:
                shown[user.password] = _password_shown(user.password)
            rows.append((label, username, shown[user.password], name, where))
        widths = [max(_width(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, tuple("-" * w for w in widths), *rows]:
            self.stdout.write("  ".join(_pad(str(cell), w) for cell, w in zip(row, widths, strict=True)).rstrip())
        self.stdout.write(
            f"\nPasswords: {DEFAULT_PASSWORD}, or the one given with --password / ${PASSWORD_ENV} when the demo "
            "was built.\nThese are demo accounts: delete them or change their passwords before any production use. "
            "演示账号仅供试用，生产环境请删除或修改密码。"
        )
