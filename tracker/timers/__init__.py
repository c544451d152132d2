"""Legal-deadline (SLA) timers on cases: started, paused, extended and met by case events; swept when due."""
