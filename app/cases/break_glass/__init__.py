"""Break-glass access: school staff open a case they are not on, for one hour, by giving a reason."""
