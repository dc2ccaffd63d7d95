package landscape.plot;

public final class PlotMain {
    public static void main(String[] args) {
        System.err.println("landscape-plot: not implemented yet");
        System.exit(2);
    }
}
