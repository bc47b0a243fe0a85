"""Pure domain rules: no I/O, no clock, no database. Everything takes its inputs as arguments."""
