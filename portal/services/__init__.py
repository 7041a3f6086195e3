"""Business logic: plain functions over the db session, callable from routes, jobs and tests.

Services change the session; the caller (request or job) commits once.
"""
