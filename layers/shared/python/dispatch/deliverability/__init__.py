"""Deliverability and compliance: what keeps a bulk sender usable (issue 19).

- :mod:`.policy` — the organisation's settings for it (account protection thresholds, SMS quiet
  hours, SMS type);
- :mod:`.reputation` and :mod:`.protection` — bounce and complaint rates over sliding windows, and
  the pause that stops sending before SES reviews the account;
- :mod:`.quiet_hours` — when an SMS may reach a recipient, in the recipient's local time;
- :mod:`.opt_out` — SMS opt-outs (STOP replies) and the opt-out wording of promotional SMS.
"""
