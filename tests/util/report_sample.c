/* SPDX-License-Identifier: MIT */
/*
 * The 2021 report sample (see report_sample.h).
 */
#include "report_sample.h"

/* Points are the self-scores of results/2021; targets and tasks are
 * counted from the same files. */
const struct report_standing tu_sample_cum1[3] = {
    {"VKSCC1", VKSCC1_NAME, 89, 100, 64, 61, 34, 12, 12},
    {"VKSCC2", VKSCC2_NAME, 97, 100, 64, 63, 39, 0, 0},
    {"VKSCC3", VKSCC3_NAME, 93.5, 100, 64, 62, 38, 15, 13},
};

/* Cục 3's results file has no targets and no self-score. */
static const struct report_standing khoi3[] = {
    {"CUC3", CUC3_NAME, 0, 100, 0, 0, 0, 17, 8},
};

const struct report_cluster tu_sample_clusters[2] = {
    {"KHOI3", "Khối thi đua số 3", khoi3, 1},
    {"CUM1", "Cụm thi đua số 1", tu_sample_cum1, 3},
};

#define QD(n) "Quyết định số " #n "/QĐ-VKSTC"

const struct report_proposal tu_sample_proposals[TU_SAMPLE_PROPOSALS] = {
    {"VKSCC2", VKSCC2_NAME, REPORT_UNIT, "VKSCC2", VKSCC2_NAME, "CO_NGANH", CO_NAME, REPORT_DECIDED,
     REPORT_ELIGIBLE, "CO-NGANH", "", QD(124), "2021-12-30", "Viện trưởng"},
    {"VKSCC2", VKSCC2_NAME, REPORT_UNIT, "VKSCC2", VKSCC2_NAME, "TTLDXS", TTLDXS_NAME,
     REPORT_DECIDED, REPORT_ELIGIBLE, "TTLDXS", "", QD(123), "2021-12-30", "Viện trưởng"},
    /* Bằng khen for civil servants of Viện cấp cao 2 (S4: "09 cá nhân"),
     * listed here out of order on purpose. */
    {"VKSCC2", VKSCC2_NAME, REPORT_PERSON, "CC2-001", "Lê Thị Mỹ Dung", "BK_VT", BKVT_NAME,
     REPORT_DECIDED, REPORT_ELIGIBLE, "BK-VT", "", QD(126), "2021-12-30", "Viện trưởng"},
    {"VKSCC2", VKSCC2_NAME, REPORT_PERSON, "CC2-005", "Huỳnh Đức Thắng", "BK_VT", BKVT_NAME,
     REPORT_DECIDED, REPORT_ELIGIBLE, "BK-VT", "", QD(126), "2021-12-30", "Viện trưởng"},
    {"VKSCC2", VKSCC2_NAME, REPORT_PERSON, "CC2-006", "Đặng Thị Thu Thảo", "BK_VT", BKVT_NAME,
     REPORT_DECIDED, REPORT_ELIGIBLE, "BK-VT", "", QD(126), "2021-12-30", "Viện trưởng"},
    {"VKSCC2", VKSCC2_NAME, REPORT_PERSON, "CC2-003", "Hồ Thị Ngọc Ánh", "BK_VT", BKVT_NAME,
     REPORT_DECIDED, REPORT_ELIGIBLE, "BK-VT", "", QD(126), "2021-12-30", "Viện trưởng"},
    {"CUC3", CUC3_NAME, REPORT_UNIT, "CUC3", CUC3_NAME, "TTLDXS", TTLDXS_NAME, REPORT_DECIDED,
     REPORT_ELIGIBLE, "TTLDXS", "", QD(123), "2021-12-30", "Viện trưởng"},
    {"CUC3", CUC3_NAME, REPORT_PERSON, "C3-X01", "Công chức thứ nhất (Cục 3)", "CSTD_NGANH",
     CSTDN_NAME, REPORT_DECIDED, REPORT_ELIGIBLE, "CSTD-NGANH", "", QD(125), "2021-12-30",
     "Viện trưởng"},
    {"CUC3", CUC3_NAME, REPORT_PERSON, "C3-X02", "Công chức thứ hai (Cục 3)", "CSTD_NGANH",
     CSTDN_NAME, REPORT_DECIDED, REPORT_ELIGIBLE, "CSTD-NGANH", "", QD(125), "2021-12-30",
     "Viện trưởng"},
    {"VKSCC1", VKSCC1_NAME, REPORT_UNIT, "VKSCC1", VKSCC1_NAME, "TTLDXS", TTLDXS_NAME,
     REPORT_REJECTED, REPORT_INELIGIBLE, "TTLDXS",
     "Đơn vị được đánh giá hoàn thành tốt nhiệm vụ (HTTNV), chưa hoàn thành xuất sắc", NULL, NULL,
     NULL},
    {"VKSCC3", VKSCC3_NAME, REPORT_UNIT, "VKSCC3", VKSCC3_NAME, "TTLDXS", TTLDXS_NAME,
     REPORT_RECEIVED, REPORT_ELIGIBLE, "TTLDXS", "", NULL, NULL, NULL},
    {"VKSCC3", VKSCC3_NAME, REPORT_PERSON, "CC3-002", "Lâm Quang Vinh", "CSTD_NGANH", CSTDN_NAME,
     REPORT_RETURNED, REPORT_INELIGIBLE, "CSTD-NGANH",
     "Sáng kiến SK01 mới được công nhận ở phạm vi cơ sở;\ncần sáng kiến phạm vi toàn ngành", NULL,
     NULL, NULL},
};

struct report tu_report_sample(void)
{
    struct report r = {
        .header = {2021, "Báo cáo thi đua, khen thưởng năm 2021", "2022-01-20T09:30:00+07:00",
                   "VKSTC"},
        .clusters = tu_sample_clusters,
        .n_clusters = sizeof tu_sample_clusters / sizeof tu_sample_clusters[0],
        .proposals = tu_sample_proposals,
        .n_proposals = TU_SAMPLE_PROPOSALS,
    };
    return r;
}
