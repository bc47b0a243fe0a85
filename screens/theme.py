"""Colours and sizes of the lobby UI (used from the .kv files through `#:import theme`).

Sizes are in "units" of `app.u`: 1 unit is 1 px on a 1080 px-wide portrait screen (or a
1080 px-high landscape one), so the same layout scales to any window.
Contrast: every text/background pair below is at least 4.5:1 (WCAG AA), most above 7:1.
"""

BG = (0.957, 0.965, 0.980, 1)            # #F4F6FA page background
SURFACE = (1, 1, 1, 1)
TEXT = (0.10, 0.10, 0.12, 1)             # near black
TEXT_MUTED = (0.30, 0.32, 0.36, 1)       # #4D525C on white: 8:1
PRIMARY = (0.043, 0.310, 0.612, 1)       # #0B4F9C deep blue: white text 8.3:1
PRIMARY_DOWN = (0.027, 0.220, 0.440, 1)
ACCENT = (0.690, 0.063, 0.153, 1)        # #B01027 red (the call to action): white text 7.2:1
ACCENT_DOWN = (0.520, 0.040, 0.110, 1)
SECONDARY = (1, 1, 1, 1)                 # outlined buttons: white with blue text and border
SECONDARY_DOWN = (0.86, 0.90, 0.96, 1)
CLOSED = (0.855, 0.863, 0.878, 1)        # #DADCE0 greyed (closed) service
CLOSED_TEXT = (0.27, 0.28, 0.31, 1)      # #45474F on #DADCE0: 7.3:1
OK = (0.063, 0.420, 0.196, 1)            # #106B32 green: white text 6.6:1
WARN_BG = (1.0, 0.945, 0.800, 1)         # #FFF1CC pale amber box
WARN_TEXT = (0.45, 0.22, 0.0, 1)         # #733800 on the amber box: 8.4:1
INFO_BG = (0.878, 0.925, 0.984, 1)       # #E0ECFB pale blue box
HIGHLIGHT = (1.0, 0.890, 0.600, 1)       # #FFE399 a new call on the hall display: red number 5.9:1
STATUS_BG = (0.16, 0.18, 0.22, 1)        # status bar
STATUS_TEXT = (0.88, 0.90, 0.93, 1)
DOT_OK = (0.30, 0.78, 0.40, 1)
DOT_BAD = (1.0, 0.62, 0.20, 1)

RADIUS = 18
