"""The service's daily and monthly rules: batched notices, reminders, returns, radiation, RGPD purge, scheduling."""
