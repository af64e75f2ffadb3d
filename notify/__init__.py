"""Notifications: who is told what (dbt: mart_notifications_due), the outbox and SMTP delivery,
the local SMTP sink. docs/notifications.md; ADR 0004."""
