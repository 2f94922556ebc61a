"""The password policy: long enough, not too long, never truncated, and not a common password."""
import pytest

from app.security.passwords import common_passwords, hash_password, password_problems, verify_password


@pytest.fixture
def context(app):
    with app.app_context():
        yield


def test_the_common_password_list_is_substantial():
    entries = common_passwords()
    assert len(entries) >= 3000
    assert "password1234" in entries


@pytest.mark.parametrize(
    "password, problem",
    [
        ("short-pass1", "12 characters or more"),
        ("x" * 129, "128 characters or fewer"),
        ("password1234", "too common"),
        ("PassWord1234", "too common"),
        ("qwertyuiop12", "too common"),
        ("jo.carter-garden-path", "must not contain your email"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(context, password, problem):
    problems = password_problems(password, email="jo.carter@example.org")
    assert any(problem in text for text in problems), problems


@pytest.mark.parametrize("password", ["a" * 5 + "-lantern-7", "tidal-marmalade-lantern-42", "ü" * 64, "z" * 128])
def test_good_passwords_pass(context, password):
    assert password_problems(password, email="someone@example.org") == []


def test_long_passwords_are_never_truncated(context):
    password = "a" * 100 + "-tail-one"
    stored = hash_password(password)
    assert verify_password(stored, password)
    assert not verify_password(stored, "a" * 100 + "-tail-two")
    assert stored.startswith("$argon2id$")
