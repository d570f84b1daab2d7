from django.core.management.base import BaseCommand, CommandError

from accounts.services import roles_create


class Command(BaseCommand):
    help = "Create the groups of each role (agent, backoffice, supervisor, admin) with their permissions."

    def handle(self, *args: object, **options: object) -> None:
        result = roles_create()
        if result.missing:
            raise CommandError(f"Unknown permissions (migrate first?): {', '.join(result.missing)}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Roles ready: {result.groups_created} groups created, "
                f"{result.permissions_granted} permissions granted."
            )
        )
