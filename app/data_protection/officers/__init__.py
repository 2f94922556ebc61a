"""The school's data protection officer(s): a designation on a staff account, made and cleared by the school's
administrator (app.policy.rules._is_dpo_of says why a designation and not a role)."""
