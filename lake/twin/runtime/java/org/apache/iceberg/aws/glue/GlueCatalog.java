package org.apache.iceberg.aws.glue;

import org.apache.iceberg.hadoop.HadoopCatalog;

/**
 * The twin's one swapped piece: the Glue Data Catalog as Iceberg's catalog. Iceberg's AWS bundle
 * (the real GlueCatalog) is not installable offline, so the class the jobs name in their --conf is a
 * Hadoop catalog whose warehouse ({@code warehouse}, set by the twin) lives in the twin's S3. Table
 * metadata pointers are version-hint files there instead of Glue table parameters.
 */
public class GlueCatalog extends HadoopCatalog {
}
