"""The reflective CPD log: each practitioner's own record, fed by their real case work. Routes register on
app.cpd.blueprint."""
