# Reference values for spinemet.analysis.table1_by_group: what gtsummary's tbl_summary(by=) |> add_p()
# computes, reproduced with base R (gtsummary is not installed here):
#   median (Q1, Q3) with quantile(x, type = 2); mean (SD) with mean(), sd();
#   P continuous: wilcox.test (2 groups; R's default exact rule), kruskal.test (> 2); for mean (SD)
#     t.test (Welch) or oneway.test(var.equal = TRUE);
#   P categorical: chisq.test(correct = FALSE), or fisher.test when an expected count is < 5;
#   SMD: |m1 - m2| / sqrt((s1^2 + s2^2) / 2); categorical Yang & Dalton (the smd package's formula).
# Run from the repo root:  Rscript tests/r/table1_by_group.R
# Needs: jsonlite. Inputs: tests/data/datasets/*.csv, src/spinemet/cohort/data/demo_cohort.csv (the used
# columns of the demo are copied into the JSON so the test does not change if the demo is regenerated).
# Output: tests/data/r/table1_by_group.json
suppressPackageStartupMessages(library(jsonlite))
ds <- "tests/data/datasets"
rd <- function(name) read.csv(file.path(ds, paste0(name, ".csv")), stringsAsFactors = FALSE)
lung <- rd("lung")
ovarian <- rd("ovarian")
demo <- read.csv("src/spinemet/cohort/data/demo_cohort.csv", stringsAsFactors = FALSE)

smd_cont <- function(a, b) abs(mean(a) - mean(b)) / sqrt((var(a) + var(b)) / 2)
smd_cat <- function(tab) {          # levels x 2 groups, empty levels dropped
  tab <- tab[rowSums(tab) > 0, , drop = FALSE]
  p <- sweep(tab, 2, colSums(tab), "/")
  t1 <- p[-1, 1] - p[-1, 2]
  s <- lapply(1:2, function(k) diag(p[-1, k], nrow = length(t1)) - outer(p[-1, k], p[-1, k]))
  sm <- (s[[1]] + s[[2]]) / 2
  sqrt(drop(t(t1) %*% solve(sm) %*% t1))
}
summ <- function(x) {
  x <- x[!is.na(x)]
  q <- quantile(x, c(0.5, 0.25, 0.75), type = 2, names = FALSE)
  list(n = length(x), median = q[1], q1 = q[2], q3 = q[3], mean = mean(x), sd = sd(x))
}
one <- function(d, by, var, kind, stat = "median_iqr", smd = FALSE) {
  g <- factor(d[[by]])
  x <- d[[var]]
  res <- list(variable = var, kind = kind, statistic = stat, n_missing = sum(is.na(x)))
  ok <- !is.na(x)
  if (kind == "continuous") {
    res$overall <- summ(x)
    res$groups <- lapply(split(x, g), summ)
    parts <- split(x[ok], g[ok])
    if (stat == "median_iqr") {
      if (nlevels(g) == 2) {
        res$test <- "wilcoxon"; res$p <- wilcox.test(parts[[1]], parts[[2]])$p.value
      } else {
        res$test <- "kruskal"; res$p <- kruskal.test(x[ok], g[ok])$p.value
      }
    } else if (nlevels(g) == 2) {
      res$test <- "welch"; res$p <- t.test(parts[[1]], parts[[2]])$p.value
    } else {
      res$test <- "anova"; res$p <- oneway.test(x ~ g, data = data.frame(x = x[ok], g = g[ok]),
                                                var.equal = TRUE)$p.value
    }
    if (smd) res$smd <- smd_cont(parts[[1]], parts[[2]])
  } else {
    tab <- table(factor(x[ok]), g[ok])
    res$levels <- rownames(tab)
    res$counts <- unname(lapply(seq_len(nrow(tab)), function(i) as.integer(tab[i, ])))
    ex <- suppressWarnings(chisq.test(tab, correct = FALSE))$expected
    if (any(ex < 5)) {
      res$test <- "fisher"; res$p <- fisher.test(tab)$p.value
    } else {
      res$test <- "chisq"; res$p <- chisq.test(tab, correct = FALSE)$p.value
    }
    if (smd) res$smd <- smd_cat(unclass(tab))
  }
  res
}
lung_e <- lung[!is.na(lung$ph.ecog) & lung$ph.ecog <= 2, ]
cases <- list(
  lung_sex = list(data = "lung", by = "sex", rows = list(
    one(lung, "sex", "age", "continuous"),
    one(lung, "sex", "wt.loss", "continuous"),
    one(lung, "sex", "meal.cal", "continuous", "mean_sd"),
    one(lung, "sex", "ph.ecog", "categorical"),
    one(lung, "sex", "ph.karno", "categorical"))),
  lung_ecog = list(data = "lung_ecog0to2", by = "ph.ecog", rows = list(
    one(lung_e, "ph.ecog", "age", "continuous"),
    one(lung_e, "ph.ecog", "meal.cal", "continuous", "mean_sd"),
    one(lung_e, "ph.ecog", "sex", "categorical"))),
  ovarian_rx = list(data = "ovarian", by = "rx", rows = list(
    one(ovarian, "rx", "age", "continuous", smd = TRUE),
    one(ovarian, "rx", "age", "continuous", "mean_sd", smd = TRUE),
    one(ovarian, "rx", "resid.ds", "categorical", smd = TRUE),
    one(ovarian, "rx", "ecog.ps", "categorical", smd = TRUE))),
  demo_procedure = list(data = "demo", by = "procedure", rows = list(
    one(demo, "procedure", "age", "continuous", smd = TRUE),
    one(demo, "procedure", "survival_months", "continuous", smd = TRUE),
    one(demo, "procedure", "sex", "categorical", smd = TRUE),
    one(demo, "procedure", "frankel_pre", "categorical", smd = TRUE),
    one(demo, "procedure", "primary_tumor", "categorical", smd = TRUE)))
)
demo_cols <- demo[, c("procedure", "age", "survival_months", "sex", "frankel_pre", "primary_tumor")]
write_json(list(cases = cases, demo = demo_cols), "tests/data/r/table1_by_group.json", auto_unbox = TRUE,
           digits = I(17), pretty = TRUE, na = "null")
cat("R", R.version.string, "\n")
