"""Run a management command in the test process and get what it printed."""

from io import StringIO

from django.core.management import call_command


def run_command(*args: str) -> str:
    """stdout and stderr of `manage.py <args>`, together."""
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()
