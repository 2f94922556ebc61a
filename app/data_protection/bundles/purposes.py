"""Why the DPO downloads a bundle: recorded with the export event as a code, labelled for the trail."""
from __future__ import annotations

SEND = "subject_access_send"
CHECK = "subject_access_check"
OTHER = "subject_access_other"
DOWNLOAD_PURPOSES = {SEND: "To send to the requester", CHECK: "To check before sending", OTHER: "Another reason"}
