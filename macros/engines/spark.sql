{#- Apache Spark variants of the components macros (dbt-spark, Spark 3.3+); every other
    engine variant lives beside its macro in macros/cross_db/. -#}

