// A fixture for the layering test (never built).
#include "base/log.h"
