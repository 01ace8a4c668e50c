"""Knowledge-base entries per app: their versions, and retrieving the ones relevant to a request."""
