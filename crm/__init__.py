"""Attack-a-Crack CRM project package: settings, URLs, Celery, WSGI, and the floor every app stands on.

Celery is loaded when Django starts (CrmConfig.ready), not on import of this package, so that
`crm.sms` and the other shared modules can be imported without loading the worker configuration.
"""
