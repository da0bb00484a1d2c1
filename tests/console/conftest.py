"""The console's tests run on the portal tests' small running cycle."""

from tests.portal.conftest import running_cycle

__all__ = ["running_cycle"]
