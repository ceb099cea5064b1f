"""The Agenda module: day, week and month views of the CalDAV calendars kept in the store."""
