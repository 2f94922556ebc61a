"""Mail: the outbox (bodies sealed) and its sending by background job over SMTP."""
