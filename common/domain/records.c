/* SPDX-License-Identifier: MIT */
/* Pure rules for result and registry records; see records.h. */
#include "records.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/domain/elig_keys.h"
#include "common/err.h"
#include "common/text/i18n.h"
#include "common/text/nfc.h"
#include "common/wire/utf8.h"

const struct record_label record_ratings[] = {
    {TDKT__RATING__RATING_EXCELLENT, "HTXSNV", "Hoàn thành xuất sắc nhiệm vụ"},
    {TDKT__RATING__RATING_GOOD, "HTTNV", "Hoàn thành tốt nhiệm vụ"},
    {TDKT__RATING__RATING_COMPLETED, "HTNV", "Hoàn thành nhiệm vụ"},
    {TDKT__RATING__RATING_FAILED, "KHTNV", "Không hoàn thành nhiệm vụ"},
    {0, NULL, NULL},
};

const struct record_label record_titles[] = {
    {TDKT__TITLE__TITLE_LDTT, "LDTT", "Lao động tiên tiến"},
    {TDKT__TITLE__TITLE_CSTDCS, "CSTDCS", "Chiến sĩ thi đua cơ sở"},
    {TDKT__TITLE__TITLE_CSTD_NGANH, "CSTD_NGANH", "Chiến sĩ thi đua ngành Kiểm sát nhân dân"},
    {TDKT__TITLE__TITLE_CSTD_TQ, "CSTD_TQ", "Chiến sĩ thi đua toàn quốc"},
    {TDKT__TITLE__TITLE_TTLDTT, "TTLDTT", "Tập thể lao động tiên tiến"},
    {TDKT__TITLE__TITLE_TTLDXS, "TTLDXS", "Tập thể lao động xuất sắc"},
    {TDKT__TITLE__TITLE_CO_NGANH, "CO_NGANH", "Cờ thi đua ngành Kiểm sát nhân dân"},
    {TDKT__TITLE__TITLE_CO_DAN_DAU_KHOI, "CO_DAN_DAU_KHOI",
     "Cờ thi đua dẫn đầu khối ngành Kiểm sát nhân dân"},
    {TDKT__TITLE__TITLE_CO_CP, "CO_CP", "Cờ thi đua của Chính phủ"},
    {TDKT__TITLE__TITLE_BK_VT, "BK_VT", "Bằng khen của Viện trưởng VKSND tối cao"},
    {TDKT__TITLE__TITLE_BK_TTG, "BK_TTG", "Bằng khen của Thủ tướng Chính phủ"},
    {TDKT__TITLE__TITLE_HCLD_1, "HCLD_1", "Huân chương Lao động hạng Nhất"},
    {TDKT__TITLE__TITLE_HCLD_2, "HCLD_2", "Huân chương Lao động hạng Nhì"},
    {TDKT__TITLE__TITLE_HCLD_3, "HCLD_3", "Huân chương Lao động hạng Ba"},
    {0, NULL, NULL},
};

const struct record_label record_scopes[] = {
    {TDKT__SCOPE__SCOPE_BASE, "co_so", "cơ sở"},
    {TDKT__SCOPE__SCOPE_SECTOR, "nganh", "ngành"},
    {TDKT__SCOPE__SCOPE_NATIONAL, "toan_quoc", "toàn quốc"},
    {0, NULL, NULL},
};

const struct record_label record_disciplines[] = {
    {TDKT__DISCIPLINE__DISCIPLINE_REPRIMAND, "reprimand", "khiển trách"},
    {TDKT__DISCIPLINE__DISCIPLINE_WARNING, "warning", "cảnh cáo"},
    {TDKT__DISCIPLINE__DISCIPLINE_DEMOTION, "demotion", "hạ bậc lương"},
    {TDKT__DISCIPLINE__DISCIPLINE_DEMOTION, "demotion", "giáng chức"},
    {TDKT__DISCIPLINE__DISCIPLINE_REMOVAL, "removal", "cách chức"},
    {TDKT__DISCIPLINE__DISCIPLINE_DISMISSAL, "dismissal", "buộc thôi việc"},
    {0, NULL, NULL},
};

const struct record_label record_task_origins[] = {
    {TDKT__TASK_ORIGIN__TASK_ORIGIN_ASSIGNED, "assigned", "được giao"},
    {TDKT__TASK_ORIGIN__TASK_ORIGIN_EMERGING, "emerging", "phát sinh"},
    {0, NULL, NULL},
};

const struct record_label record_unit_kinds[] = {
    {TDKT__UNIT_KIND__UNIT_KIND_SUPREME, "supreme", "Viện kiểm sát nhân dân tối cao"},
    {TDKT__UNIT_KIND__UNIT_KIND_DEPARTMENT, "department", "Vụ, Cục, Văn phòng, Thanh tra"},
    {TDKT__UNIT_KIND__UNIT_KIND_HIGH, "high", "Viện kiểm sát nhân dân cấp cao"},
    {TDKT__UNIT_KIND__UNIT_KIND_PROVINCIAL, "provincial", "Viện kiểm sát nhân dân cấp tỉnh"},
    {TDKT__UNIT_KIND__UNIT_KIND_DISTRICT, "district", "Viện kiểm sát nhân dân khu vực"},
    {TDKT__UNIT_KIND__UNIT_KIND_DIVISION, "division", "Phòng"},
    {0, NULL, NULL},
};

const struct record_label record_cluster_kinds[] = {
    {TDKT__CLUSTER_KIND__CLUSTER_KIND_CLUSTER, "cluster", "Cụm thi đua"},
    {TDKT__CLUSTER_KIND__CLUSTER_KIND_BLOC, "bloc", "Khối thi đua"},
    {0, NULL, NULL},
};

const struct record_label record_council_roles[] = {
    {TDKT__COUNCIL_ROLE__COUNCIL_ROLE_CHAIR, "chair", "Chủ tịch Hội đồng"},
    {TDKT__COUNCIL_ROLE__COUNCIL_ROLE_VICE_CHAIR, "vice_chair", "Phó Chủ tịch Hội đồng"},
    {TDKT__COUNCIL_ROLE__COUNCIL_ROLE_MEMBER, "member", "Ủy viên"},
    {0, NULL, NULL},
};

const struct record_label record_period_states[] = {
    {TDKT__PERIOD_STATE__PERIOD_STATE_OPEN, "open", "đang mở"},
    {TDKT__PERIOD_STATE__PERIOD_STATE_CLOSED, "closed", "đã khóa"},
    {0, NULL, NULL},
};

const struct record_label *record_label_of(const struct record_label *table, int value)
{
    for (; table->code; table++)
        if (table->value == value)
            return table;
    return NULL;
}

const char *record_kind_name(const Tdkt__ResultRecord *r)
{
    switch (r->item_case) {
    case TDKT__RESULT_RECORD__ITEM_TARGET:
        return "target";
    case TDKT__RESULT_RECORD__ITEM_TASK:
        return "task";
    case TDKT__RESULT_RECORD__ITEM_PRODUCT:
        return "product";
    case TDKT__RESULT_RECORD__ITEM_SCORE:
        return "score";
    case TDKT__RESULT_RECORD__ITEM_UNIT_RATING:
        return "unit_rating";
    case TDKT__RESULT_RECORD__ITEM_PERSON_RATING:
        return "person_rating";
    case TDKT__RESULT_RECORD__ITEM_REGISTRATION:
        return "registration";
    case TDKT__RESULT_RECORD__ITEM_INITIATIVE:
        return "initiative";
    case TDKT__RESULT_RECORD__ITEM_FACTS:
        return "facts";
    case TDKT__RESULT_RECORD__ITEM_TASK_PLAN:
        return "task_plan";
    default:
        return NULL;
    }
}

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

int record_key(const Tdkt__ResultRecord *r, char key[RECORD_KEY_MAX + 1])
{
    const char *k = NULL;
    const struct record_label *t;

    switch (r->item_case) {
    case TDKT__RESULT_RECORD__ITEM_TARGET:
        k = r->target->code;
        break;
    case TDKT__RESULT_RECORD__ITEM_TASK:
        k = r->task->code;
        break;
    case TDKT__RESULT_RECORD__ITEM_PRODUCT:
        k = r->product->code;
        break;
    case TDKT__RESULT_RECORD__ITEM_SCORE:
        k = r->score->criterion_code;
        break;
    case TDKT__RESULT_RECORD__ITEM_UNIT_RATING:
    case TDKT__RESULT_RECORD__ITEM_TASK_PLAN: /* one per unit and year */
        k = "";
        break;
    case TDKT__RESULT_RECORD__ITEM_PERSON_RATING:
        k = r->person_rating->person_id;
        break;
    case TDKT__RESULT_RECORD__ITEM_REGISTRATION:
        t = record_label_of(record_titles, (int)r->registration->title);
        snprintf(key, RECORD_KEY_MAX + 1, "%.*s/%s", RECORD_CODE_MAX,
                 str_or_empty(r->registration->person_id), t ? t->code : "?");
        return 0;
    case TDKT__RESULT_RECORD__ITEM_INITIATIVE:
        k = r->initiative->code;
        break;
    case TDKT__RESULT_RECORD__ITEM_FACTS:
        k = r->facts->person_id;
        break;
    default:
        return TDKT_EINVAL;
    }
    snprintf(key, RECORD_KEY_MAX + 1, "%.*s", RECORD_KEY_MAX, str_or_empty(k));
    return 0;
}

int record_target_status(const Tdkt__Target *t)
{
    if (t->achieved == t->planned)
        return 0;
    if (t->lower_is_better)
        return t->achieved < t->planned ? 1 : -1;
    return t->achieved > t->planned ? 1 : -1;
}

const char *record_target_status_name(int status)
{
    return status > 0 ? N_("exceeded") : status == 0 ? N_("met") : N_("missed");
}

int record_code_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > RECORD_CODE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

int record_unit_code_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > RECORD_CODE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int record_name_valid(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return 0;
    if (utf8_validate((const uint8_t *)s, n) != 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

int record_date_valid(const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    if (y < 1900 || y > RECORD_YEAR_MAX || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return 1;
}

int record_year_valid(uint32_t year)
{
    return year >= RECORD_YEAR_MIN && year <= RECORD_YEAR_MAX;
}

static int check_code(const char *s, const char *field, struct fault *f)
{
    if (!record_code_valid(s))
        return fault_set(f, TDKT_EINVAL, field,
                         "a code is 1 to %d characters of A-Z, a-z, 0-9, '_', '.', '-'",
                         RECORD_CODE_MAX);
    return 0;
}

static int check_name(const char *s, const char *field, struct fault *f)
{
    if (!record_name_valid(s, RECORD_NAME_MAX))
        return fault_set(f, TDKT_EINVAL, field,
                         "must be 1 to %d bytes of text without control characters",
                         RECORD_NAME_MAX);
    if (text_is_nfc(s, strlen(s)) != 1)
        return fault_set(f, TDKT_EINVAL, field, "must be in Unicode NFC form");
    return 0;
}

static int check_value(double v, const char *field, struct fault *f)
{
    if (!isfinite(v) || v < 0 || v > RECORD_VALUE_MAX)
        return fault_set(f, TDKT_EINVAL, field, "must be a number from 0 to %.0f",
                         RECORD_VALUE_MAX);
    return 0;
}

static int check_person(const char *s, const char *field, struct fault *f)
{
    if (!record_code_valid(s))
        return fault_set(f, TDKT_EINVAL, field,
                         "a person id is 1 to %d characters of A-Z, a-z, 0-9, '_', '.', '-'",
                         RECORD_CODE_MAX);
    return 0;
}

static int check_date_opt(const char *s, const char *field, struct fault *f)
{
    if (s && *s && !record_date_valid(s))
        return fault_set(f, TDKT_EINVAL, field, "'%.20s' is not a date YYYY-MM-DD", s);
    return 0;
}

static int check_enum(const struct record_label *table, int v, int zero_ok, const char *field,
                      struct fault *f)
{
    if ((v == 0 && zero_ok) || record_label_of(table, v))
        return 0;
    return fault_set(f, TDKT_EINVAL, field, "value %d is not one of the allowed values", v);
}

static int check_year(uint32_t year, const char *field, struct fault *f)
{
    if (!record_year_valid(year))
        return fault_set(f, TDKT_EINVAL, field, "year must be %d to %d", RECORD_YEAR_MIN,
                         RECORD_YEAR_MAX);
    return 0;
}

/* A list of n items at field: whole ("a sheet") has 1 to max of them. */
static int check_count(size_t n, int max, const char *field, const char *whole, const char *items,
                       struct fault *f)
{
    if (n == 0 || n > (size_t)max)
        return fault_set(f, TDKT_EINVAL, field, "%s has 1 to %d %s", whole, max, items);
    return 0;
}

int record_validate(const Tdkt__ResultRecord *r, struct fault *f)
{
    int rc = 0;
    switch (r->item_case) {
    case TDKT__RESULT_RECORD__ITEM_TARGET: {
        const Tdkt__Target *t = r->target;
        if ((rc = check_code(t->code, "target.code", f)) ||
            (rc = check_name(t->name, "target.name", f)) ||
            (rc = check_value(t->planned, "target.planned", f)) ||
            (rc = check_value(t->achieved, "target.achieved", f)))
            return rc;
        return 0;
    }
    case TDKT__RESULT_RECORD__ITEM_TASK: {
        const Tdkt__KeyTask *t = r->task;
        if ((rc = check_code(t->code, "task.code", f)) ||
            (rc = check_name(t->name, "task.name", f)))
            return rc;
        return check_enum(record_task_origins, (int)t->origin, 0, "task.origin", f);
    }
    case TDKT__RESULT_RECORD__ITEM_PRODUCT: {
        const Tdkt__WorkProduct *p = r->product;
        if ((rc = check_code(p->code, "product.code", f)) ||
            (rc = check_name(p->name, "product.name", f)))
            return rc;
        if (p->count > RECORD_COUNT_MAX)
            return fault_set(f, TDKT_EINVAL, "product.count", "must be at most %llu",
                             RECORD_COUNT_MAX);
        return 0;
    }
    case TDKT__RESULT_RECORD__ITEM_SCORE:
        if ((rc = check_code(r->score->criterion_code, "score.criterion_code", f)))
            return rc;
        return check_value(r->score->points, "score.points", f);
    case TDKT__RESULT_RECORD__ITEM_UNIT_RATING:
        return check_enum(record_ratings, (int)r->unit_rating->rating, 0, "unit_rating.rating", f);
    case TDKT__RESULT_RECORD__ITEM_PERSON_RATING:
        if ((rc = check_person(r->person_rating->person_id, "person_rating.person_id", f)))
            return rc;
        return check_enum(record_ratings, (int)r->person_rating->rating, 0, "person_rating.rating",
                          f);
    case TDKT__RESULT_RECORD__ITEM_REGISTRATION: {
        const Tdkt__TitleRegistration *g = r->registration;
        if (g->person_id && *g->person_id &&
            (rc = check_person(g->person_id, "registration.person_id", f)))
            return rc;
        return check_enum(record_titles, (int)g->title, 0, "registration.title", f);
    }
    case TDKT__RESULT_RECORD__ITEM_INITIATIVE: {
        const Tdkt__Initiative *in = r->initiative;
        char field[RECORD_FIELD_MAX];
        if ((rc = check_code(in->code, "initiative.code", f)) ||
            (rc = check_name(in->title, "initiative.title", f)) ||
            (rc = check_count(in->n_author_ids, RECORD_AUTHORS_MAX, "initiative.author_ids",
                              "an initiative", "authors", f)))
            return rc;
        for (size_t i = 0; i < in->n_author_ids; i++) {
            snprintf(field, sizeof field, "initiative.author_ids[%zu]", i);
            if ((rc = check_person(in->author_ids[i], field, f)))
                return rc;
            for (size_t j = 0; j < i; j++)
                if (strcmp(in->author_ids[i], in->author_ids[j]) == 0)
                    return fault_set(f, TDKT_EINVAL, field, "author '%s' is listed twice",
                                     in->author_ids[i]);
        }
        if ((rc = check_enum(record_scopes, (int)in->scope, 1, "initiative.scope", f)))
            return rc;
        if (in->decision_ref && *in->decision_ref &&
            (rc = check_name(in->decision_ref, "initiative.decision_ref", f)))
            return rc;
        return 0;
    }
    case TDKT__RESULT_RECORD__ITEM_FACTS: {
        const Tdkt__PersonFacts *p = r->facts;
        if ((rc = check_person(p->person_id, "facts.person_id", f)) ||
            (rc = check_date_opt(p->recruited_on, "facts.recruited_on", f)) ||
            (rc = check_date_opt(p->disciplined_on, "facts.disciplined_on", f)))
            return rc;
        if (p->leave_months > 12)
            return fault_set(f, TDKT_EINVAL, "facts.leave_months",
                             "leave is 0 to 12 months in a year");
        if (p->maternity_months > 12)
            return fault_set(f, TDKT_EINVAL, "facts.maternity_months",
                             "maternity leave is 0 to 12 months in a year");
        if (p->leave_months + p->maternity_months > 12)
            return fault_set(f, TDKT_EINVAL, "facts.maternity_months",
                             "%u months of leave and %u of maternity leave are more than the "
                             "12 months of the emulation period",
                             p->leave_months, p->maternity_months);
        if ((rc = check_enum(record_disciplines, (int)p->discipline, 1, "facts.discipline", f)))
            return rc;
        if (p->discipline != TDKT__DISCIPLINE__DISCIPLINE_NONE &&
            !(p->disciplined_on && *p->disciplined_on))
            return fault_set(f, TDKT_EINVAL, "facts.disciplined_on",
                             "a discipline needs the date it was imposed");
        return 0;
    }
    case TDKT__RESULT_RECORD__ITEM_TASK_PLAN:
        if (r->task_plan->planned == 0 || r->task_plan->planned > RECORD_PLAN_TASKS_MAX)
            return fault_set(f, TDKT_EINVAL, "task_plan.planned",
                             "the plan counts 1 to %u key tasks; leave it out when there is "
                             "no plan",
                             RECORD_PLAN_TASKS_MAX);
        return 0;
    default:
        return fault_set(f, TDKT_EINVAL, "item",
                         "the record holds no item (target, task, product, ...)");
    }
}

static int check_unit_ref(const char *s, const char *field, int optional, struct fault *f)
{
    if (optional && (!s || !*s))
        return 0;
    if (!record_unit_code_valid(s))
        return fault_set(f, TDKT_EINVAL, field,
                         "a unit code is 1 to %d characters of A-Z, 0-9, '_', '-'",
                         RECORD_CODE_MAX);
    return 0;
}

static int validate_unit(const Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__UnitRegister *u = r->unit;
    int rc;

    if (!u->unit)
        return fault_set(f, TDKT_EINVAL, "unit.unit", "the unit is missing");
    if ((rc = check_unit_ref(u->unit->code, "unit.unit.code", 0, f)) ||
        (rc = check_name(u->unit->name, "unit.unit.name", f)) ||
        (rc = check_unit_ref(u->parent_code, "unit.parent_code", 1, f)))
        return rc;
    if (u->unit->role != TDKT__ROLE__ROLE_REGIONAL && u->unit->role != TDKT__ROLE__ROLE_CENTRAL)
        return fault_set(f, TDKT_EINVAL, "unit.unit.role", "role must be regional or central");
    if (u->parent_code && strcmp(u->parent_code, u->unit->code) == 0)
        return fault_set(f, TDKT_EINVAL, "unit.parent_code", "a unit cannot be its own parent");
    return check_enum(record_unit_kinds, (int)u->kind, 1, "unit.kind", f);
}

static int validate_person(const Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__PersonRegister *p = r->person;
    int rc;

    if (p->id && *p->id && (rc = check_person(p->id, "person.id", f)))
        return rc;
    if ((rc = check_name(p->name, "person.name", f)) ||
        (rc = check_unit_ref(p->unit_code, "person.unit_code", 0, f)))
        return rc;
    return 0;
}

/* Is s (NULL or "": no) one of the first n members of c? */
static int cluster_has(const Tdkt__ClusterSet *c, size_t n, const char *s)
{
    for (size_t i = 0; s && *s && i < n; i++)
        if (strcmp(c->members[i], s) == 0)
            return 1;
    return 0;
}

static int validate_cluster(const Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__ClusterSet *c = r->cluster;
    char field[RECORD_FIELD_MAX];
    int rc;

    if ((rc = check_year(c->year, "cluster.year", f)) ||
        (rc = check_code(c->code, "cluster.code", f)) ||
        (rc = check_name(c->name, "cluster.name", f)) ||
        (rc = check_enum(record_cluster_kinds, (int)c->kind, 0, "cluster.kind", f)) ||
        (rc = check_count(c->n_members, CLUSTER_MEMBERS_MAX, "cluster.members", "a cluster",
                          "members", f)))
        return rc;
    for (size_t i = 0; i < c->n_members; i++) {
        snprintf(field, sizeof field, "cluster.members[%zu]", i);
        if ((rc = check_unit_ref(c->members[i], field, 0, f)))
            return rc;
        if (cluster_has(c, i, c->members[i]))
            return fault_set(f, TDKT_EINVAL, field, "unit '%s' is listed twice", c->members[i]);
    }
    if (c->leader && *c->leader && !cluster_has(c, c->n_members, c->leader))
        return fault_set(f, TDKT_EINVAL, "cluster.leader", "the leader '%s' is not a member",
                         c->leader);
    if (c->deputy && *c->deputy && !cluster_has(c, c->n_members, c->deputy))
        return fault_set(f, TDKT_EINVAL, "cluster.deputy", "the deputy '%s' is not a member",
                         c->deputy);
    if (c->leader && *c->leader && c->deputy && strcmp(c->leader, c->deputy) == 0)
        return fault_set(f, TDKT_EINVAL, "cluster.deputy",
                         "the deputy must differ from the leader");
    return 0;
}

/* A Council: its members are registered persons (checked where the registry
 * is, catalog.c), none twice, exactly one chair. */
static int validate_council(const Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__CouncilSet *c = r->council;
    char field[RECORD_FIELD_MAX];
    size_t chairs = 0;
    int rc;

    if ((rc = check_year(c->year, "council.year", f)) ||
        (rc = check_code(c->code, "council.code", f)) ||
        (rc = check_name(c->name, "council.name", f)) ||
        (rc = check_count(c->n_members, COUNCIL_MEMBERS_MAX, "council.members", "a Council",
                          "members", f)))
        return rc;
    for (size_t i = 0; i < c->n_members; i++) {
        const Tdkt__CouncilMember *m = c->members[i];

        snprintf(field, sizeof field, "council.members[%zu].person", i);
        if ((rc = check_code(m->person_id, field, f)))
            return rc;
        for (size_t k = 0; k < i; k++)
            if (strcmp(c->members[k]->person_id, m->person_id) == 0)
                return fault_set(f, TDKT_EINVAL, field,
                                 "person '%s' is listed twice (also members[%zu])", m->person_id,
                                 k);
        snprintf(field, sizeof field, "council.members[%zu].role", i);
        if ((rc = check_enum(record_council_roles, (int)m->role, 0, field, f)))
            return rc;
        chairs += m->role == TDKT__COUNCIL_ROLE__COUNCIL_ROLE_CHAIR;
    }
    if (chairs != 1)
        return fault_set(f, TDKT_EINVAL, "council.members",
                         "a Council has exactly one chair (chủ tịch); this one has %zu", chairs);
    return 0;
}

static int validate_period(const Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__PeriodSet *p = r->period;
    int rc;

    if ((rc = check_year(p->year, "period.year", f)) ||
        (rc = check_enum(record_period_states, (int)p->state, 0, "period.state", f)))
        return rc;
    return check_date_opt(p->deadline, "period.deadline", f);
}

static int validate_criterion(const Tdkt__CriteriaSet *c, size_t i, struct fault *f)
{
    const Tdkt__Criterion *k = c->criteria[i];
    char field[RECORD_FIELD_MAX];
    int rc;

    snprintf(field, sizeof field, "criteria.criteria[%zu].code", i);
    if ((rc = check_code(k->code, field, f)))
        return rc;
    for (size_t j = 0; j < i; j++)
        if (strcmp(k->code, c->criteria[j]->code) == 0)
            return fault_set(f, TDKT_EINVAL, field, "criterion '%s' is listed twice", k->code);
    snprintf(field, sizeof field, "criteria.criteria[%zu].name", i);
    if ((rc = check_name(k->name, field, f)))
        return rc;
    snprintf(field, sizeof field, "criteria.criteria[%zu].max_points", i);
    if (!isfinite(k->max_points) || k->max_points <= 0 || k->max_points > RECORD_VALUE_MAX)
        return fault_set(f, TDKT_EINVAL, field, "maximum points must be above 0");
    return 0;
}

static int validate_criteria(const Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__CriteriaSet *c = r->criteria;
    int rc;

    if ((rc = check_year(c->year, "criteria.year", f)) ||
        (rc = check_code(c->cluster_code, "criteria.cluster_code", f)) ||
        (rc = check_count(c->n_criteria, CRITERIA_MAX, "criteria.criteria", "a sheet", "criteria",
                          f)))
        return rc;
    for (size_t i = 0; i < c->n_criteria; i++)
        if ((rc = validate_criterion(c, i, f)))
            return rc;
    return 0;
}

static int validate_rule_value(const Tdkt__RuleSet *rs, size_t i, struct fault *f)
{
    const Tdkt__RuleValue *v = rs->values[i];
    const struct elig_key *k;
    size_t n = v->key ? strlen(v->key) : 0;
    char field[RECORD_FIELD_MAX];
    int rc;

    snprintf(field, sizeof field, "rules.values[%zu].key", i);
    if (n == 0 || n > RULE_KEY_MAX || strspn(v->key, "abcdefghijklmnopqrstuvwxyz0123456789_.") != n)
        return fault_set(f, TDKT_EINVAL, field,
                         "a rule key is 1 to %d characters of a-z, 0-9, '_', '.'", RULE_KEY_MAX);
    /* A key no rule reads would be stored and never used: a misspelt key
     * would leave the rule it meant to set missing without a word. */
    if (!(k = elig_key_find(v->key)))
        return fault_set(f, TDKT_EINVAL, field,
                         "unknown rule key '%s': no rule reads it (the keys are listed in "
                         "docs/review.md §3.2)",
                         v->key);
    for (size_t j = 0; j < i; j++)
        if (strcmp(v->key, rs->values[j]->key) == 0)
            return fault_set(f, TDKT_EINVAL, field, "'%s' is listed twice", v->key);
    snprintf(field, sizeof field, "rules.values[%zu].value", i);
    if (!isfinite(v->value) || v->value < -RECORD_VALUE_MAX || v->value > RECORD_VALUE_MAX)
        return fault_set(f, TDKT_EINVAL, field, "must be a finite number");
    if (!elig_key_in_range(k->kind, v->value))
        return fault_set(f, TDKT_EINVAL, field, "%s is %s, not %g", v->key,
                         elig_key_range_text(k->kind), v->value);
    snprintf(field, sizeof field, "rules.values[%zu].source", i);
    if (v->source && *v->source && (rc = check_name(v->source, field, f)))
        return rc;
    return 0;
}

static int validate_rules(const Tdkt__RegistryRecord *r, struct fault *f)
{
    const Tdkt__RuleSet *rs = r->rules;
    int rc;

    if ((rc = check_code(rs->code, "rules.code", f)) ||
        (rc = check_name(rs->name, "rules.name", f)))
        return rc;
    if (!rs->effective_from || !record_date_valid(rs->effective_from))
        return fault_set(f, TDKT_EINVAL, "rules.effective_from",
                         "the date the rule set applies from, YYYY-MM-DD, is required");
    if ((rc =
             check_count(rs->n_values, RULE_VALUES_MAX, "rules.values", "a rule set", "values", f)))
        return rc;
    for (size_t i = 0; i < rs->n_values; i++)
        if ((rc = validate_rule_value(rs, i, f)))
            return rc;
    return 0;
}

/* The rules of each kind of registry record. */
static const struct {
    Tdkt__RegistryRecord__ItemCase item;
    int (*validate)(const Tdkt__RegistryRecord *r, struct fault *f);
} registry_rules[] = {
    {TDKT__REGISTRY_RECORD__ITEM_UNIT, validate_unit},
    {TDKT__REGISTRY_RECORD__ITEM_PERSON, validate_person},
    {TDKT__REGISTRY_RECORD__ITEM_CLUSTER, validate_cluster},
    {TDKT__REGISTRY_RECORD__ITEM_PERIOD, validate_period},
    {TDKT__REGISTRY_RECORD__ITEM_CRITERIA, validate_criteria},
    {TDKT__REGISTRY_RECORD__ITEM_RULES, validate_rules},
    {TDKT__REGISTRY_RECORD__ITEM_COUNCIL, validate_council},
};

int registry_record_validate(const Tdkt__RegistryRecord *r, struct fault *f)
{
    for (size_t i = 0; i < sizeof registry_rules / sizeof registry_rules[0]; i++)
        if (registry_rules[i].item == r->item_case)
            return registry_rules[i].validate(r, f);
    return fault_set(f, TDKT_EINVAL, "item",
                     "the record holds no item (unit, person, cluster, ...)");
}

/* Replace *s by its NFC form when it differs. */
static int nfc_field(char **s)
{
    char *out;
    size_t len;
    int rc;

    if (!*s || !**s)
        return 0;
    len = strlen(*s);
    rc = text_is_nfc(*s, len);
    if (rc == 1)
        return 0;
    if (rc < 0)
        return rc;
    rc = text_nfc(*s, len, &out, NULL);
    if (rc < 0)
        return rc;
    free(*s);
    *s = out;
    return 0;
}

int record_normalise(Tdkt__ResultRecord *r)
{
    int rc = 0;
    switch (r->item_case) {
    case TDKT__RESULT_RECORD__ITEM_TARGET:
        rc = nfc_field(&r->target->name);
        break;
    case TDKT__RESULT_RECORD__ITEM_TASK:
        rc = nfc_field(&r->task->name);
        break;
    case TDKT__RESULT_RECORD__ITEM_PRODUCT:
        rc = nfc_field(&r->product->name);
        break;
    case TDKT__RESULT_RECORD__ITEM_INITIATIVE:
        rc = nfc_field(&r->initiative->title);
        if (rc == 0)
            rc = nfc_field(&r->initiative->decision_ref);
        break;
    default:
        break;
    }
    return rc;
}

int registry_record_normalise(Tdkt__RegistryRecord *r)
{
    int rc = 0;
    size_t i;
    switch (r->item_case) {
    case TDKT__REGISTRY_RECORD__ITEM_UNIT:
        if (r->unit->unit)
            rc = nfc_field(&r->unit->unit->name);
        break;
    case TDKT__REGISTRY_RECORD__ITEM_PERSON:
        rc = nfc_field(&r->person->name);
        break;
    case TDKT__REGISTRY_RECORD__ITEM_CLUSTER:
        rc = nfc_field(&r->cluster->name);
        break;
    case TDKT__REGISTRY_RECORD__ITEM_CRITERIA:
        for (i = 0; rc == 0 && i < r->criteria->n_criteria; i++)
            rc = nfc_field(&r->criteria->criteria[i]->name);
        break;
    case TDKT__REGISTRY_RECORD__ITEM_RULES:
        rc = nfc_field(&r->rules->name);
        for (i = 0; rc == 0 && i < r->rules->n_values; i++)
            rc = nfc_field(&r->rules->values[i]->source);
        break;
    case TDKT__REGISTRY_RECORD__ITEM_COUNCIL:
        rc = nfc_field(&r->council->name);
        break;
    default:
        break;
    }
    return rc;
}

/* The fault of a normalise that failed: memory, or text that is not UTF-8. */
static int normalise_fault(int rc, struct fault *f)
{
    if (rc == TDKT_ENOMEM || rc >= 0)
        return rc;
    return fault_set(f, TDKT_EINVAL, "", "a name is not valid UTF-8 text");
}

int record_check(Tdkt__ResultRecord *r, struct fault *f)
{
    int rc = normalise_fault(record_normalise(r), f);
    return rc < 0 ? rc : record_validate(r, f);
}

int registry_record_check(Tdkt__RegistryRecord *r, struct fault *f)
{
    int rc = normalise_fault(registry_record_normalise(r), f);
    return rc < 0 ? rc : registry_record_validate(r, f);
}
