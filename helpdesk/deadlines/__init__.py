"""Deadlines: the working calendar, clock policies and due-time arithmetic.

calendar, policy and clocks are pure; store is the only module that touches the database.
"""
