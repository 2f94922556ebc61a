"""The school's choices about what families see of who has seen their child's record (staff names or roles)."""
