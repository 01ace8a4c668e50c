"""People who sign in to the admin pages: users, roles, passwords, sessions and sign-in limits."""
