"""`manage.py audit_log verify|checkpoint|purge`: the audit log's integrity jobs, for the scheduler (docs/security.md).

- verify: check the hash chain and every checkpoint; exit status 1 when broken.
- checkpoint: verify, then seal the chain's head (run it hourly or daily); refuses to seal a broken chain.
- purge: delete records older than AUDIT_RETENTION_DAYS (never younger ones), audited and sealed."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from kaifaqu.accounts.audit import ChainBroken, purge_expired, verify_chain, write_checkpoint
from kaifaqu.accounts.choices import CheckpointReasonChoices


def operator():
    return f"manage.py ({getpass.getuser()})"


class Command(BaseCommand):
    help = "审计日志完整性：verify 校验哈希链；checkpoint 写入检查点；purge 清理超过保存期限的记录。"

    def add_arguments(self, parser):
        parser.add_argument("job", choices=["verify", "checkpoint", "purge"])

    def handle(self, *args, job, **options):
        if job == "purge":
            try:
                deleted = purge_expired(by=operator())
            except ChainBroken as broken:
                raise CommandError(f"audit chain broken, nothing purged: {broken}") from broken
            self.stdout.write(f"purged {deleted} audit records")
            return
        broken = verify_chain()
        if broken is not None:
            raise CommandError(f"audit chain broken at record {broken.pk}: {broken.reason}")
        if job == "checkpoint":
            checkpoint = write_checkpoint(CheckpointReasonChoices.SCHEDULED, by=operator())
            self.stdout.write(f"checkpoint {checkpoint.pk}: {checkpoint.row_count} records, head {checkpoint.head_pk}")
        else:
            self.stdout.write("audit chain intact")
