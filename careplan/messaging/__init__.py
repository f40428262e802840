"""Messages that leave the clinic (DESIGN 7.7): questionnaire links, reminders and on-call pages,
recorded in the outbox before they are sent and settled once."""
