"""Idempotent first start of a production instance: bucket (versioned), organisation, first admin.

Prints the first admin's password once, to the container log; later starts change nothing.
"""
from woo.config import load_settings
from woo.services.bootstrap import bootstrap_instance

result = bootstrap_instance(load_settings())
if result.admin_password:
    print(f"Eerste beheerder / first admin: {result.admin_username} / {result.admin_password} "
          "(wijzig dit wachtwoord / change this password)", flush=True)
