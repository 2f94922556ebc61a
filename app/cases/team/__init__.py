"""The team around the child: school staff on a case, invitations for externals and parents."""
