"""Staff accounts (agents, supervisors, trainers), sign-in, and what the staff
pages share: the token check by role, the page server with its strict CSP, the
sign-in script, the stylesheet and the page shell.
"""
