"""The school calendar: terms, half terms and closures, and the school days that deadlines are counted in."""
