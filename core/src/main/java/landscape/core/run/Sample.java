package landscape.core.run;

/**
 * One row of {@code samples.csv}:
 * {@code row,dataset_index,subject,answer,prediction,constrained_prediction,n_tokens}.
 * Row {@code row} of every layer file is this sample.
 */
public record Sample(int row, long datasetIndex, String subject, String answer, String prediction,
                     String constrainedPrediction, int nTokens) {
    public static final String HEADER = "row,dataset_index,subject,answer,prediction,constrained_prediction,n_tokens";
}
