# English pages show 24-hour times, as Indonesian readers of English pages expect ("09:00",
# not "9 a.m."); everything else is Django's English format.
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "N j, Y, H:i"
