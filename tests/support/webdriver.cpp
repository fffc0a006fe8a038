#include "support/webdriver.h"
