/* SPDX-License-Identifier: MIT */
/* tdktd's entry point; the program is server/admin/tdktd.c. */
#include "server/admin/tdktd.h"

int main(int argc, char **argv)
{
    return tdktd_main(argc, argv);
}
