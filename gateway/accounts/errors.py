"""Changes to accounts the domain refuses; the message says why, in words a person can act on.

`field` names what was asked wrongly (`name`, `role`, `password`: the words the accounts service takes them by), so
a form can mark that field; None when no one field is at fault (a conflict with who the admins are).
"""

from __future__ import annotations

from gateway.domain.quoting import quoted


class AccountError(ValueError):
    """A change to users refused as asked (a 400 on a page, exit status 2 on the command line)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class UnknownUser(AccountError):
    """No user has that name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no user called {quoted(name)}", "name")


class LastAdmin(AccountError):
    """The change would leave no enabled admin (a 409 on a page: it conflicts with who the admins are now)."""

    def __init__(self, doing: str) -> None:
        super().__init__(f"cannot {doing}: they are the only enabled admin")


class NameTaken(AccountError):
    """A user has that name already, perhaps in another case (a 409 on a page: it conflicts with who exists)."""

    def __init__(self, name: str, holder: str) -> None:
        if holder == name:
            message = f"a user called {quoted(name)} already exists"
        else:
            message = (
                f"a user called {quoted(holder)} already exists, and names compare without case (one reviewer to the "
                f"review queue): choose a name other than {quoted(name)}"
            )
        super().__init__(message, "name")
