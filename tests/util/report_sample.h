/* SPDX-License-Identifier: MIT */
/*
 * The report tests' sample (client/lib/report.h): the 2021 period of
 * data/ (registry.json, results/2021, README.md) as report rows. Cụm thi
 * đua số 1 with its targets ("63/64 chỉ tiêu" for Viện cấp cao 2) and
 * self-scores, Khối thi đua số 3 with Cục 3's 17 key tasks against a plan
 * of 8, and the awards the seeds report. Decision numbers and dates are
 * invented. The seeds do not name Cục 3's two Chiến sĩ thi đua ngành and
 * the registry has no civil servant of Cục 3 but its director, so they
 * appear as placeholders. The clusters are listed out of order, and the
 * Bằng khen too, so that a test of ordering sees the report sort them.
 *
 * Everything here is static and read-only; tu_report_sample's report
 * points into it and owns nothing.
 */
#ifndef TDKT_TESTS_REPORT_SAMPLE_H
#define TDKT_TESTS_REPORT_SAMPLE_H

#include "client/lib/report.h"

#define VKSCC1_NAME "Viện kiểm sát nhân dân cấp cao tại Hà Nội"
#define VKSCC2_NAME "Viện kiểm sát nhân dân cấp cao tại Đà Nẵng"
#define VKSCC3_NAME "Viện kiểm sát nhân dân cấp cao tại Thành phố Hồ Chí Minh"
#define CUC3_NAME   "Cục Kế hoạch - Tài chính (Cục 3)"

#define TTLDXS_NAME "Tập thể lao động xuất sắc"
#define CO_NAME     "Cờ thi đua ngành Kiểm sát nhân dân"
#define CSTDN_NAME  "Chiến sĩ thi đua ngành Kiểm sát nhân dân"
#define BKVT_NAME   "Bằng khen của Viện trưởng VKSND tối cao"

#define TU_SAMPLE_PROPOSALS 12

/* Cụm thi đua số 1: VKSCC1..3 (points, targets and tasks of results/2021). */
extern const struct report_standing tu_sample_cum1[3];
/* KHOI3 (Cục 3), then CUM1. */
extern const struct report_cluster tu_sample_clusters[2];
/* The awards: decided, rejected (VKSCC1), received (VKSCC3) and returned
 * (CC3-002). */
extern const struct report_proposal tu_sample_proposals[TU_SAMPLE_PROPOSALS];

/* The 2021 report of all of the above, with its header. */
struct report tu_report_sample(void);

#endif
