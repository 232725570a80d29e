"""Working days and time: bank holidays, working hours, the first-contact deadline."""
