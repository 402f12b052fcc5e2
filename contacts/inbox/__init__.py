"""The office inbox: every conversation that needs an answer, and the thread to answer it from.

selectors.py reads (the list, the thread, the header count), services.py writes (reply, done,
snooze, assign, note, call), views.py and urls.py are the admin screens under /admin/inbox/.
"""
