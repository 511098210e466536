#ifndef OKAYFACE_CLIBPQ_SHIM_H
#define OKAYFACE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
