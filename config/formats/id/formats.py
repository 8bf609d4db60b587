# Two-digit hours, as official Indonesian letters write them ("09.00", "23.59").
TIME_FORMAT = "H.i"
DATETIME_FORMAT = "j N Y, H.i"
