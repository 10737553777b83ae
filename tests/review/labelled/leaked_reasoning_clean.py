"""Password rules, written and commented by a person."""

import re

THINK = re.compile(r"<think>.*?</think>", re.DOTALL)


def strong(password):
    """Return whether the password is strong enough.

    The task requires at least eight characters and one digit; the problem statement
    says nothing about symbols, so they are allowed but not required.
    """
    # Wait for the policy service only when it is configured
    if len(password) < 8:
        return False
    return any(c.isdigit() for c in password)


def normalise(name):
    """Strip a user name; case is kept because the user wants to see it as typed."""
    # Let the caller decide about Unicode normalisation
    return name.strip()


def strip_reasoning(reply):
    """Remove the <think> block a reasoning model puts before its answer."""
    # Actually send nothing when the reply is only reasoning
    return THINK.sub("", reply)


def expiry(days):
    # OK if days is zero: the password expires today
    return max(days - 1, 0)


def history(passwords):
    # Note: the last five passwords are kept, as the instructions require
    # TODO: make the window configurable
    return passwords[-5:]


def mask(password):
    # Hmm is not a password: the check below rejects words from the dictionary
    return "*" * len(password)
